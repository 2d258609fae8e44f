"""`python -m orchestrator`: serve the API with settings from the environment."""

from orchestrator.serving import serve

if __name__ == "__main__":
    serve()
