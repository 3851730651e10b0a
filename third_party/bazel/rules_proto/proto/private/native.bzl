"""Re-exports the builtin ProtoInfo under another name (see ../defs.bzl)."""

NativeProtoInfo = ProtoInfo
