from minshi_geo.cli import main

main()
