from aisci.cli import main

raise SystemExit(main())
