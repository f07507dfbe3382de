"""Where an order ships from: the pure planner and source search, routing rules, allocation settings, the step and
backorders."""
