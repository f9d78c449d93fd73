from mailflow.cli import main

raise SystemExit(main())
