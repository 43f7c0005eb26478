from verdictflow.cli import app

app()
