import sys

from doover_fsm.cli.main import main

sys.exit(main())
