"""Quantization with proof: int8 ONNX and TFLite variants of a trained bundle, each measured.

`earshot quantize` (cli.py) runs pipeline.py: calibration.py computes edge's log-mel of real
training-side speech; onnx_int8.py makes the static QDQ int8 ONNX model; tflite.py (with
onnx_to_tf.py and tf_convert.py in a child process) makes TFLite fp32 and full-integer int8;
validate.py measures accuracy, agreement, size, latency and memory of every variant;
select.py picks the shipped default; report.py writes the report and the model card section.
"""
