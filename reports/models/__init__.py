from .exports import GeneratedExport

__all__ = ["GeneratedExport"]
