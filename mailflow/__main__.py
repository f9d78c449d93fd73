from mailflow.shell.quiet import main

raise SystemExit(main())
