"""Sandboxes for running model-written code. The backends arrive with the code verifier (issue 4);
this package exists now so the layout and the package list are fixed from the start."""
