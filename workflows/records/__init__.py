"""The domain records the flows work on (customers, equipment, engineers, parts), their use cases,
reference form fields and the default dispatch."""
