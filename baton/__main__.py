from baton.cli.main import app

app()
