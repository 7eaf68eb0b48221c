"""The test JupyterLab app's server: Debian's jupyterlab_server LabServerApp, as JupyterLab's
examples/app/main.py. argv: <built app dir> <settings dir>; everything else is jupyter_server's
usual command line. Prebuilt extensions come from the labextensions path (JUPYTER_PATH etc.)."""
import os
import sys

from jupyterlab_server import LabServerApp

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD, STATE = sys.argv.pop(1), sys.argv.pop(1)
os.environ["JUPYTER_NO_CONFIG"] = "1"


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": QuantscopeTestLab}]


class QuantscopeTestLab(LabServerApp):
    extension_url = "/lab"
    default_url = "/lab"
    name = __name__
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = "4.5.0"
    static_dir = BUILD
    schemas_dir = os.path.join(BUILD, "schemas")
    themes_dir = os.path.join(BUILD, "themes")
    templates_dir = os.path.join(HERE, "templates")
    app_settings_dir = os.path.join(STATE, "app_settings")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")

    def initialize_settings(self):
        super().initialize_settings()
        self.serverapp.web_app.settings["terminals_available"] = False


if __name__ == "__main__":
    QuantscopeTestLab.launch_instance()
