"""An admin change form as a browser would post it: every field the page renders, with the values it shows (ticked
boxes, chosen options, the inlines' management forms), for a test to change a few of before posting."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: list[list] = []
        self._select: dict | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in ("submit", "button", "image", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if attrs.get("type") == "checkbox" else ""
            self.fields.append([name, attrs.get("value") or default])
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "chosen": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and self._select["first"] is not None:
                chosen = [self._select["first"]]  # a browser sends a single select's first option
            self.fields.extend([self._select["name"], value] for value in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_data(page: str, form_id: str) -> dict[str, list[str]]:
    """The named form's fields as the test client posts them: name -> values. A textarea's text loses the one
    newline the HTML puts after its opening tag, as a browser's does."""
    parser = _FormFields(form_id)
    parser.feed(page)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value.removeprefix("\n") if isinstance(value, str) else value)
    return {name: values for name, values in data.items() if "__prefix__" not in name}


def add_row(data: dict, prefix: str, **fields) -> int:
    """One more row of an inline, as its "Add another" link makes: the row's number."""
    number = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(number + 1)]
    for name, value in fields.items():
        data[f"{prefix}-{number}-{name}"] = value if isinstance(value, list) else [str(value)]
    return number


def set_fields(data: dict, **fields) -> dict:
    for name, value in fields.items():
        data[name] = value if isinstance(value, list) else [str(value)]
    return data
