"""The central server (FastAPI + SQLAlchemy Core). Never imported by core/, sync/ or ui/."""
