import os

import pytest
from sqlalchemy import create_engine

from app.models import Base

# Falls back to the app's own database when no test database is configured.
# On Railway, DATABASE_URL is production.
DATABASE_URL = os.getenv("TEST_DATABASE_URL") or os.getenv("DATABASE_URL")

engine = create_engine(DATABASE_URL)


@pytest.fixture(scope="session", autouse=True)
def setup_database():
    Base.metadata.create_all(bind=engine)
    yield
    Base.metadata.drop_all(bind=engine)
