"""What the user gives: answers, settings and policy."""
