# Placeholder: the real service builds its Flask app inside a function (not module level).
from flask import Flask


def create_app():
    app = Flask(__name__)
    return app
