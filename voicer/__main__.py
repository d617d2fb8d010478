from voicer.cli import main

main()
