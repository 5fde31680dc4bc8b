"""Stories: article terms and vectors, and the streaming assignment to stories."""
