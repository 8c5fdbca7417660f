"""Start the dashboard: ``python scripts/serve.py [streamlit options]`` (used by run.sh and the tests).

Why not plain ``streamlit run app.py``: Streamlit (1.67) treats an app with a
``pages/`` folder as a legacy multipage app until ``st.navigation`` has run
once in the server process. A first visit straight to a page URL (``/labs``)
then runs the page file without ``app.py`` and shows an empty page. Setting the
flag before the server starts makes every run go through ``app.py``.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())
