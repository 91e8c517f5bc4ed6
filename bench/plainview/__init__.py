"""The plain-Django reference of ``bench/read_path.py``: one view on the hub's database, nothing else."""
