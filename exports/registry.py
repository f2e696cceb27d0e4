"""Which builder makes each kind of export. Apps register theirs in AppConfig.ready() or at import of their exports.

A builder takes the job's params (a dict of plain values) and returns (filename, bytes). It must not write the job.
"""

from collections.abc import Callable

Builder = Callable[[dict], tuple[str, bytes]]
_builders: dict[str, Builder] = {}


def register(kind: str) -> Callable[[Builder], Builder]:
    def decorator(builder: Builder) -> Builder:
        _builders[kind] = builder
        return builder

    return decorator


def builder_for(kind: str) -> Builder:
    try:
        return _builders[kind]
    except KeyError:
        raise LookupError(f"No export builder is registered for {kind!r}") from None
