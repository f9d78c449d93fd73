from mailflow.entry import main

raise SystemExit(main())
