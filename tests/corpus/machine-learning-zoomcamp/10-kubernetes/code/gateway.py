# Placeholder after the gateway: a module-level Flask app with only /predict.
from flask import Flask

app = Flask('gateway')


@app.route('/predict', methods=['POST'])
def predict_endpoint():
    return {}
