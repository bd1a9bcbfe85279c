"""Export a model to ONNX (onnxruntime runs it without PyTorch).

    python tools/deployment/pytorch2onnx.py videopose3d_27frm_cmu \\
        --out work_dirs/onnx/videopose3d_27frm_cmu.onnx
    python tools/deployment/pytorch2onnx.py configs/hemlets_r18_cmu.py \\
        [CHECKPOINT] --out work_dirs/onnx/hemlets_r18_cmu.onnx

CONFIG_OR_ZOO_NAME: a model-zoo name (``tools/misc/list_models.py``, its
published weights), a config (with CHECKPOINT, else random weights) or a
checkpoint. The file has a dynamic batch axis (and, for VideoPose3D's
whole-sequence form, a dynamic frame axis), passes ``onnx.checker``, and
says in its ``metadata_props`` what it takes and how to decode its output
(``pose3d_toolbox/apis/onnx_export.py``; README.md, "Export: BVH and
ONNX").
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args(argv=None):
    from pose3d_toolbox.apis.onnx_export import FORMS, OPSET
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model', help='model-zoo name, config (.py) or '
                   'checkpoint (.pth)')
    p.add_argument('checkpoint', nargs='?', help='weights for a config')
    p.add_argument('--out', required=True, help='the .onnx file')
    p.add_argument('--form', choices=FORMS, default='auto',
                   help='VideoPose3D: whole sequence (auto) or one window')
    p.add_argument('--opset', type=int, default=OPSET)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from pose3d_toolbox.apis.onnx_export import export_onnx
    info = export_onnx(args.model, args.out, args.checkpoint, form=args.form,
                       opset=args.opset)
    print(f'wrote {info["path"]} (opset {info["opset"]}, form '
          f'{info["form"]}, onnx.checker passed)')
    print(f'inputs: {info["inputs"]}')
    print(f'outputs: {info["outputs"]}')
    print(f'decode: {info["decode"]}')
    return info


if __name__ == '__main__':
    main()
