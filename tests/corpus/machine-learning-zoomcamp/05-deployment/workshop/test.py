import requests

print(requests.post("http://localhost:9696/predict", json={}).json())
