"""One pipeline step per file: the component's body, whose imports run inside the step's container."""
