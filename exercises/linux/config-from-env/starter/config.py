import os
import sys

database_url = os.environ.get("DATABASE_URL")
port = os.environ.get("PORT")
# check both, then print the start-up lines
