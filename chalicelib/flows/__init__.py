"""What each Lambda function runs: wiring (ports) and the run, one module per job."""
