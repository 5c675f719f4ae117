"""Built-in appraise plugins: providers and renderers, registered through the `appraise.plugins` entry-point group."""
