from smclass.cli import main

main()
