"""The ingest-files flow with extraction on Dask (deployment ingest-folder-dask): a LocalCluster,
or the scheduler named by NEWSFLOW_DASK_ADDRESS where the flow runs. A module of its own, so that
importing flows/ingest.py (every CLI run) does not import Dask."""

from flows.ingest import ingest_files
from flows.runners import make_task_runner

ingest_files_dask = ingest_files.with_options(name="ingest-files-dask", task_runner=make_task_runner("dask"))
