# Placeholder after ping.py: a Flask app whose only route is /ping.
from flask import Flask

app = Flask('ping')


@app.route('/ping', methods=['GET'])
def ping():
    return 'PONG'
