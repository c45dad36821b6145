"""A stdio "server" that never answers initialize: it neither reads stdin nor writes stdout."""

import sys
import time

sys.stderr.write("silent: warming up forever\n")
sys.stderr.flush()
time.sleep(60)
