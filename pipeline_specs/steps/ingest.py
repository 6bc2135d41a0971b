from kfp.dsl import Dataset, Output


def ingest(uri: str, rows: Output[Dataset]) -> None:
    """Read rows to train or compare on.

    Inputs: uri, a `bq://project.dataset.table` or a Parquet/CSV path.
    Outputs: rows, as Parquet.
    """
    from estaleiro.training.ingest import read_rows

    frame = read_rows(uri)
    frame.to_parquet(rows.path, index=False)
    rows.metadata.update({"uri": uri, "rows": len(frame)})
