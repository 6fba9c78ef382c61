"""The load benchmark (`make bench`): data generator, endpoint specs and the runner."""
