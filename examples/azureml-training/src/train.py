"""Fine-tunes a model; pkgallow reads dependency files, never this code's imports (yet)."""

import mlflow


def main() -> None:
    mlflow.autolog()


if __name__ == "__main__":
    main()
