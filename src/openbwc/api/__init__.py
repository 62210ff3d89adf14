"""The application factory: mounts every domain's routes and the console."""
