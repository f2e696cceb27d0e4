"""The West Midlands demo, loaded by `./scripts/demo` and by the tests. It sits at the top of the layers because it
fills every app: each app keeps its own demo rows in its `demo.py` (only that app's tables and those below it), and
this app runs them in order and adds the demo logins."""
