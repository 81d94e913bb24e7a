# Placeholder after the workshop's FastAPI service: a module-level app with /health.
from fastapi import FastAPI

app = FastAPI(title="clothing-classifier")


@app.get("/health")
def health():
    return {"status": "healthy"}
