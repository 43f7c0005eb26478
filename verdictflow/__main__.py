from verdictflow.cli.main import main

main()
