# Placeholder: the real service builds its Flask app in create_app(), with one route, "/".
from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.route("/", methods=["POST"])
    def talk_to_gemini():
        return {}

    return app
