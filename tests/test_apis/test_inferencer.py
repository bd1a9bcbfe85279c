"""Pose3DInferencer: 2D keypoint files in, camera-space 3D out.

The demo input is a test take of the embedded CMU data (02_01, 86 frames,
camera 0 of the fixed rig, ground-truth 2D), so the output is checked
against its ground-truth 3D.
"""
import json
import os.path as osp
import warnings

import numpy as np
import pytest

from pose3d_toolbox.apis import Pose3DInferencer, default_camera
from pose3d_toolbox.apis.demo_data import demo_sequence, write_demo_keypoints
from pose3d_toolbox.keypoint_layouts import to_h36m
from pose3d_toolbox.skeletons import COCO, H36M
from pose3d_toolbox.utils.smoothing import savgol_smooth

# model-zoo.md: videopose3d_27frm_cmu's MPJPE on the test subjects (subset
# check), and the closed-form weak-perspective root's MRPE (AbsPoseLifter
# section, "closed-form root (Table 3)" row)
VIDEOPOSE3D_MPJPE_MM = 101.7
WEAK_PERSPECTIVE_MRPE_MM = 567.8


@pytest.fixture(scope='module')
def seq():
    return demo_sequence()


@pytest.fixture(scope='module')
def files(seq, tmp_path_factory):
    root = tmp_path_factory.mktemp('lift')
    npz, js = str(root / 'demo.npz'), str(root / 'demo.json')
    write_demo_keypoints(npz)
    write_demo_keypoints(js)
    return dict(npz=npz, json=js, root=root)


@pytest.fixture(scope='module')
def vp3d():
    return Pose3DInferencer('videopose3d_27frm_cmu')


def _camera(seq):
    return dict(f=seq['camera']['f'], c=seq['camera']['c'])


def _size(seq):
    return (seq['camera']['w'], seq['camera']['h'])


def _errors_mm(kp3d, gt):
    rel = (kp3d - kp3d[:, :1]) - (gt - gt[:, :1])
    mpjpe = np.linalg.norm(rel, axis=-1).mean() * 1000
    mrpe = np.linalg.norm(kp3d[:, 0] - gt[:, 0], axis=-1).mean() * 1000
    return mpjpe, mrpe


def test_lifted_npz_matches_ground_truth(seq, files, vp3d, tmp_path):
    result = vp3d(files['npz'])
    assert len(result.frames) == 86 and result.meta['tracks'] == [0]
    assert result.meta['camera']['source'] == 'file'
    track = result.track(0)
    mpjpe, mrpe = _errors_mm(track['keypoints_3d'], seq['keypoints_3d'])
    assert mpjpe < VIDEOPOSE3D_MPJPE_MM, mpjpe
    assert mrpe < WEAK_PERSPECTIVE_MRPE_MM, mrpe
    sample = result.frames[5].instances[0]
    assert sample.root_estimated and sample.track_id == 0
    assert sample.frame_id == 5
    np.testing.assert_allclose(sample.pred_keypoints_2d,
                               seq['keypoints_2d'][5], atol=1e-3)
    np.testing.assert_allclose(sample.pred_root,
                               sample.pred_keypoints_3d[0], atol=1e-6)
    # the JSON holds the same numbers (schema of README.md's "Inference")
    path = result.dump(str(tmp_path / 'out.json'))
    doc = json.load(open(path))
    assert doc['meta']['format'] == 'pose3d_toolbox/inference-v1'
    assert doc['meta']['skeleton']['joint_names'] == list(H36M.joint_names)
    person = doc['frames'][5]['instances'][0]
    assert set(person) == {'track_id', 'keypoints_3d', 'root',
                           'root_estimated', 'keypoints_2d',
                           'keypoint_scores'}
    np.testing.assert_allclose(person['keypoints_3d'],
                               sample.pred_keypoints_3d, atol=1e-5)


def test_dense_form_equals_windows(seq, vp3d):
    kp, sc = seq['keypoints_2d'], np.ones((86, 17))
    cam = default_camera(_size(seq), seq['camera']['f'], seq['camera']['c'])
    assert vp3d.dense
    dense = vp3d.lift_track(kp, sc, cam)
    vp3d.dense = False
    try:
        windows = vp3d.lift_track(kp, sc, cam)
    finally:
        vp3d.dense = True
    np.testing.assert_allclose(dense['keypoints_3d'],
                               windows['keypoints_3d'], atol=1e-4)


@pytest.mark.parametrize('dense', [True, False])
def test_causal_model_reads_no_later_frame(seq, dense):
    inf = Pose3DInferencer(
        'configs/videopose3d_27frm_cmu.py', causal=True, cfg_options={
            'model.backbone.causal': True,
            'test_dataloader.dataset.causal': True})
    inf.dense = dense and inf.dense
    cam = default_camera(_size(seq), seq['camera']['f'], seq['camera']['c'])
    kp = seq['keypoints_2d'][:40]
    changed = kp.copy()
    changed[21:] += 30.0  # frames after 20
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        a = inf.lift_track(kp, np.ones((40, 17)), cam)['keypoints_3d_rel']
        b = inf.lift_track(changed, np.ones((40, 17)),
                           cam)['keypoints_3d_rel']
    np.testing.assert_allclose(a[:21], b[:21], atol=1e-5)
    assert np.abs(a[21:] - b[21:]).max() > 1e-4


def test_causal_request_on_a_non_causal_model_is_refused():
    with pytest.raises(ValueError, match='trained with causal=False.*use a '
                       'model trained causal=True'):
        Pose3DInferencer('videopose3d_27frm_cmu', causal=True)


@pytest.mark.parametrize('name', ['abslifter_cmu', 'anatomy3d_27frm_cmu'])
def test_placeholder_3d_is_never_read(seq, files, name):
    inf = Pose3DInferencer(name)
    a = inf(files['npz']).track(0)['keypoints_3d']
    inf.placeholder_depth = 7.5
    b = inf(files['npz']).track(0)['keypoints_3d']
    np.testing.assert_array_equal(a, b)


def test_abslifter_root_is_the_models_and_elepose_gives_nll(seq, files):
    res = Pose3DInferencer('abslifter_cmu')(files['npz'])
    s = res.frames[0].instances[0]
    assert not s.root_estimated
    mpjpe, mrpe = _errors_mm(res.track(0)['keypoints_3d'],
                             seq['keypoints_3d'])
    assert mpjpe < 99.95 and mrpe < 466.0  # model-zoo.md, abslifter_cmu
    ele = Pose3DInferencer('elepose_cmu')(files['npz'])
    s = ele.frames[0].instances[0]
    assert s.root_estimated and np.isfinite(s.pred_nll)
    assert 'nll' in ele.to_dict()['frames'][0]['instances'][0]


def test_mmpose_files_lift_like_the_array(seq, files, vp3d, tmp_path):
    """The same 2D as MMPose's --save-predictions file, its inferencer's
    video file and a pred_out_dir folder of per-image files."""
    ref = vp3d(files['npz']).track(0)['keypoints_3d']
    doc = json.load(open(files['json']))
    video = tmp_path / 'video.json'
    video.write_text(json.dumps(doc['instance_info']))
    folder = tmp_path / 'pred_out_dir'
    folder.mkdir()
    for rec in doc['instance_info']:
        (folder / f'{rec["frame_id"]:06d}.json').write_text(
            json.dumps(rec['instances']))
    for src, layout in ((files['json'], None), (str(video), 'h36m'),
                        (str(folder), 'h36m')):
        res = vp3d(src, layout=layout, camera=_camera(seq),
                   image_size=_size(seq))
        np.testing.assert_allclose(res.track(0)['keypoints_3d'], ref,
                                   atol=1e-4, err_msg=src)
    assert res.frames[3].img_path == '000003'
    # the 3D results of MMPose's lifter demo are refused with the fix
    doc['instance_info'][0]['instances'][0]['keypoints'] = \
        [[1.0, 2.0, 3.0]] * 17
    bad = tmp_path / 'results_3d.json'
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r'results_3d\.json: frame 0, '
                       r'instance 0: keypoints have 3 values.*'
                       r'topdown_demo_with_mmdet\.py --save-predictions'):
        vp3d(str(bad), image_size=(1000, 1000))


def test_mmpose_file_without_image_size_names_the_fix(files, vp3d):
    with pytest.raises(ValueError, match=r'demo\.json: the image size is '
                       r'unknown.*--image-size W H'):
        vp3d(files['json'])


def test_coco_json_is_converted_and_uses_the_default_camera(seq, vp3d,
                                                           tmp_path):
    h = seq['keypoints_2d'][:30]
    name = {n: i for i, n in enumerate(H36M.joint_names)}
    coco = np.zeros((30, 17, 2))
    for i, n in enumerate(COCO.joint_names):
        src = n if n in name else ('neck_nose' if n == 'nose' else 'head')
        coco[:, i] = h[:, name[src]]
    images = [dict(id=t + 1, file_name=f'{t:04d}.png', width=1000,
                   height=1000) for t in range(31)]  # the last: nobody
    anns = [dict(id=t + 1, image_id=t + 1, category_id=1, keypoints=np.c_[
        coco[t], np.full(17, 2)].ravel().tolist()) for t in range(30)]
    path = tmp_path / 'coco.json'
    path.write_text(json.dumps(dict(images=images, annotations=anns,
                                    categories=[dict(id=1, name='person')])))
    res = vp3d(str(path))
    assert len(res.frames) == 31 and res.frames[30].instances == []
    assert res.meta['layout_in'] == 'coco'
    cam = res.meta['camera']
    assert cam['f'] == [1000.0, 1000.0] and cam['c'] == [500.0, 500.0]
    assert cam['source'].startswith('default')
    expected, _ = to_h36m(coco, None, 'coco')
    np.testing.assert_allclose(res.track(0)['keypoints_2d'], expected,
                               atol=1e-3)
    assert res.frames[0].img_path == '0000.png'
    # an unlabelled joint (v = 0, x = y = 0) is missing data, not (0, 0)
    anns[3]['keypoints'][0:3] = [0, 0, 0]
    path.write_text(json.dumps(dict(images=images, annotations=anns)))
    with pytest.raises(ValueError, match=r'coco\.json frame 3 person 0: '
                       r'keypoint 0 \(nose\) is \[nan nan\]'):
        vp3d(str(path))


def test_people_are_tracked_and_lifted_per_track(seq, vp3d, tmp_path):
    a = seq['keypoints_2d'][:40]
    b = a + np.array([600.0, 0.0])
    both = np.stack([a, b], 1)
    both[1::2] = both[1::2, ::-1]  # the detector lists them in any order
    path = str(tmp_path / 'two.npz')
    np.savez(path, keypoints=both, layout='h36m', image_size=[1600, 1000])
    res = vp3d(path, camera=_camera(seq))
    assert res.meta['tracks'] == [0, 1]
    alone = vp3d(a, layout='h36m', camera=_camera(seq),
                 image_size=(1600, 1000))
    np.testing.assert_allclose(res.track(0)['keypoints_3d'],
                               alone.track(0)['keypoints_3d'], atol=1e-5)
    np.testing.assert_allclose(res.track(1)['keypoints_2d'], b, atol=1e-4)
    assert all(len(f.instances) == 2 for f in res.frames)


def test_smoothing_is_applied_per_track(seq, files):
    plain = Pose3DInferencer('videopose3d_27frm_cmu')(files['npz'])
    smooth = Pose3DInferencer('videopose3d_27frm_cmu', smoothing=dict(
        type='savgol', window=7, polyorder=2))(files['npz'])
    np.testing.assert_allclose(
        smooth.track(0)['keypoints_3d'],
        savgol_smooth(plain.track(0)['keypoints_3d'], 7, 2), atol=1e-5)
    assert smooth.meta['smoothing'] == dict(type='savgol', window=7,
                                            polyorder=2)
    # the same from the config's inference_cfg; an argument wins over it
    cfg = Pose3DInferencer('videopose3d_27frm_cmu', cfg_options={
        'inference_cfg': dict(smoothing=dict(type='savgol', window=7,
                                             polyorder=2))})
    assert cfg.smoothing == smooth.meta['smoothing']
    off = Pose3DInferencer('videopose3d_27frm_cmu', smoothing={},
                           cfg_options={'inference_cfg': dict(
                               smoothing=dict(type='savgol'))})
    assert off.smoothing is None
    with pytest.raises(KeyError, match=r"inference_cfg keys \['smooth'\] "
                       'are unknown'):
        Pose3DInferencer('videopose3d_27frm_cmu', cfg_options={
            'inference_cfg': dict(smooth=1)})


def test_nan_keypoints_are_refused_or_interpolated(seq, vp3d, tmp_path):
    kp = seq['keypoints_2d'][:30].copy()
    kp[7, 13] = np.nan
    path = str(tmp_path / 'holes.npz')
    np.savez(path, keypoints=kp, layout='h36m', image_size=[1000, 1000])
    with pytest.raises(ValueError, match=r"holes\.npz frame 7 person 0: "
                       r"keypoint 13 \(left_wrist\) is \[nan nan\].*"
                       r"nan_policy='interpolate' \(CLI: --nan "
                       r"interpolate\)"):
        vp3d(path)
    inf = Pose3DInferencer('videopose3d_27frm_cmu', nan_policy='interpolate')
    s = inf(path).frames[7].instances[0]
    np.testing.assert_allclose(s.pred_keypoints_2d[13],
                               (kp[6, 13] + kp[8, 13]) / 2, atol=1e-3)
    assert s.pred_keypoint_scores[13] == 0


def test_short_sequence_warns_or_is_refused(seq):
    kp = seq['keypoints_2d'][:10]
    inf = Pose3DInferencer('videopose3d_27frm_cmu')
    with pytest.warns(UserWarning, match=r'<array> track 0: 10 frames, '
                      r'fewer than the receptive field 27'):
        inf(kp, layout='h36m', image_size=(1000, 1000))
    strict = Pose3DInferencer('videopose3d_27frm_cmu', min_frames='error')
    with pytest.raises(ValueError, match=r'10 frames, fewer than the '
                       r'receptive field 27.*give at least 27 frames'):
        strict(kp, layout='h36m', image_size=(1000, 1000))


def test_input_errors_name_the_file_and_the_fix(vp3d, tmp_path):
    npy = str(tmp_path / 'seq.npy')
    np.save(npy, np.zeros((5, 17, 2)))
    with pytest.raises(ValueError, match=r'seq\.npy: the keypoint layout is '
                       r'unknown.*--layout coco\|h36m'):
        vp3d(npy, image_size=(100, 100))
    np.save(npy, np.zeros((5, 15, 2)))
    with pytest.raises(ValueError, match=r"seq\.npy: 15 joints per person, "
                       r"but layout 'coco' has 17"):
        vp3d(npy, layout='coco', image_size=(100, 100))
    with pytest.raises(ValueError, match=r"unknown keypoint layout 'mpii'"):
        vp3d(npy, layout='mpii', image_size=(100, 100))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        vp3d(str(tmp_path / 'missing.json'))
    bad = tmp_path / 'other.json'
    bad.write_text(json.dumps(dict(people=[])))
    with pytest.raises(ValueError, match=r"other\.json: unknown keypoint "
                       r"JSON \(top level: \['people'\]\)"):
        vp3d(str(bad))


def test_a_2d_estimator_as_the_model_is_refused():
    # neither a lifter nor a direct image -> 3D model
    with pytest.raises(ValueError, match='integral2d_r18_cmu is neither a '
                       r'2D->3D lifter.*nor a direct image -> 3D model.*2D '
                       r'estimator as pose2d=.*integral3d_r18_cmu'):
        Pose3DInferencer('integral2d_r18_cmu')


def test_unknown_model_name_lists_close_names():
    with pytest.raises(ValueError, match="'videopose3d_27frm_cm' is not a "
                       'model of the zoo.*Did you mean videopose3d_27frm_cmu'):
        Pose3DInferencer('videopose3d_27frm_cm')


def _demo_cli():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'lift_keypoints', osp.join(osp.dirname(__file__), '..', '..', 'demo',
                                   'lift_keypoints.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    return cli


def test_cli_writes_json_pictures_and_prints_speed(files, tmp_path, capsys):
    import imageio.v3 as iio
    _demo_cli().main([files['npz'], '--out-dir', str(tmp_path), '--smooth',
                      'one_euro', '--beta', '0.5', '--no-progress',
                      '--vis', 'gif', 'html', '--vis-max-frames', '4'])
    out = capsys.readouterr().out
    assert '86 frames, 86 poses, 1 track(s)' in out and 'frames/s' in out
    doc = json.load(open(tmp_path / 'demo_3d.json'))
    assert len(doc['frames']) == 86
    assert doc['meta']['smoothing'] == dict(type='one_euro', min_cutoff=1.0,
                                            beta=0.5, d_cutoff=1.0)
    # one person: a GIF of 4 evenly spaced frames and the HTML viewer
    gif = iio.imread(tmp_path / 'demo_track0.gif', index=None)
    assert gif.shape[0] == 4 and gif.std() > 10
    assert 'plotly' in (tmp_path / 'demo_track0.html').read_text()[:100_000]


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    from pose3d_toolbox.apis.demo_data import write_demo_images
    root = tmp_path_factory.mktemp('images')
    video = str(root / 'demo.mp4')
    seq = write_demo_images(str(root / 'frames'), num_frames=12,
                            video=video)
    return dict(seq=seq, folder=str(root / 'frames'), video=video,
                boxes=str(root / 'frames' / 'bboxes.json'))


def test_images_and_video_go_through_the_2d_estimator(rendered,
                                                      tmp_path_factory):
    seq = rendered['seq']
    inf = Pose3DInferencer('simplebaseline3d_cmu',
                           pose2d='integral2d_r18_cmu')
    res = inf(rendered['folder'], bboxes=rendered['boxes'],
              camera=_camera(seq))
    assert res.meta['pose2d'] == 'integral2d_r18_cmu'
    assert len(res.frames) == 12 and res.meta['camera']['w'] == 1000
    track = res.track(0)
    err2d = np.linalg.norm(track['keypoints_2d'] - seq['keypoints_2d'],
                           axis=-1).mean()
    # model-zoo.md: integral2d_r18_cmu 23.82 px on the test subjects; the
    # cascade integral 2D -> simplebaseline3d_cmu measured 79.41 mm MPJPE
    # on these 12 frames (README, "Inference"; the lifter alone, on ground
    # truth 2D: 66.24 mm over the test subjects): within 10 % of it
    assert err2d < 23.82, err2d
    mpjpe, _ = _errors_mm(track['keypoints_3d'], seq['keypoints_3d'])
    assert mpjpe < 1.1 * 79.41, mpjpe
    assert res.frames[0].instances[0].img_path.endswith('000000.png')
    np.testing.assert_allclose(res.frames[0].instances[0].bbox,
                               json.load(open(rendered['boxes']))[0][0],
                               atol=0.01)
    vid = inf(rendered['video'], bboxes=rendered['boxes'],
              camera=_camera(seq))
    assert len(vid.frames) == 12
    # the video is compressed (mp4v): close to the PNG frames' 2D
    assert np.abs(vid.track(0)['keypoints_2d']
                  - track['keypoints_2d']).mean() < 3.0
    # the demo's pictures of a video show its frames (read back by index)
    import imageio.v3 as iio
    out = tmp_path_factory.mktemp('pictures')
    written = _demo_cli().write_pictures(vid, str(out), 'vid', ['png'], 2)
    assert written == [f'{out}/vid_track0_*.png (2 frames)']
    pictures = sorted(out.glob('vid_track0_*.png'))
    assert [p.name for p in pictures] == ['vid_track0_000000.png',
                                          'vid_track0_000006.png']
    assert iio.imread(pictures[1]).std() > 10


def test_image_errors_name_the_file_and_the_fix(rendered, tmp_path, vp3d):
    with pytest.raises(ValueError, match=r"need a 2D estimator.*pose2d="
                       r"'integral2d_r18_cmu'"):
        vp3d(rendered['folder'])
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'not a video at all' * 10)
    inf = Pose3DInferencer('simplebaseline3d_cmu',
                           pose2d='integral2d_r18_cmu')
    with pytest.raises(ValueError, match=r'broken\.mp4: OpenCV cannot read '
                       r'a frame.*re-encode it.*folder of images'):
        inf(str(bad))


@pytest.fixture(scope='module')
def integral3d():
    import torch
    torch.manual_seed(0)  # random weights: the numbers are the path's
    return Pose3DInferencer('configs/integral3d_r18_cmu.py')


def test_a_direct_3d_model_reads_images_in_camera_space(rendered, integral3d,
                                                        tmp_path):
    seq, inf = rendered['seq'], integral3d
    assert inf.image_3d and inf.receptive_field == 1
    res = inf(rendered['folder'], bboxes=rendered['boxes'],
              camera=_camera(seq))
    assert len(res.frames) == 12 and res.meta['tracks'] == [0]
    assert res.meta['pose2d'] is None and res.meta['camera']['source'] == \
        'given'
    track = res.track(0)
    kp3d, kp2d = track['keypoints_3d'], track['keypoints_2d']
    assert kp3d.shape == (12, 17, 3) and kp2d.shape == (12, 17, 2)
    # camera space: the 3D joints project onto the 2D pixels
    f, c = np.asarray(seq['camera']['f']), np.asarray(seq['camera']['c'])
    assert (kp3d[..., 2] > 0).all()
    np.testing.assert_allclose(kp3d[..., :2] / kp3d[..., 2:] * f + c, kp2d,
                               rtol=1e-4, atol=1e-2)
    sample = res.frames[3].instances[0]
    assert not sample.root_estimated  # the model's own root
    np.testing.assert_allclose(sample.pred_root, sample.pred_keypoints_3d[0],
                               atol=1e-6)
    # the crops go where the given boxes are
    boxes = np.array(json.load(open(rendered['boxes'])))[:, 0]
    np.testing.assert_allclose(res.frames[3].instances[0].bbox, boxes[3],
                               atol=0.01)
    doc = json.load(open(res.dump(str(tmp_path / 'out.json'))))
    person = doc['frames'][3]['instances'][0]
    assert set(person) == {'track_id', 'keypoints_3d', 'root',
                           'root_estimated', 'keypoints_2d',
                           'keypoint_scores', 'bbox'}
    assert person['root_estimated'] is False
    np.testing.assert_allclose(person['keypoints_3d'],
                               sample.pred_keypoints_3d, atol=1e-5)
    np.testing.assert_allclose(person['keypoints_2d'], kp2d[3], atol=0.006)
    # a video of the same frames: the same poses up to its compression
    vid = inf(rendered['video'], bboxes=rendered['boxes'],
              camera=_camera(seq))
    assert len(vid.frames) == 12
    assert np.abs(vid.track(0)['keypoints_2d'] - kp2d).mean() < 3.0
    # the whole frame as the box and the documented default camera
    whole = inf(rendered['folder'])
    assert whole.meta['camera']['source'].startswith('default')
    assert whole.meta['camera']['f'] == [1002.0, 1002.0]
    assert whole.frames[0].instances[0].bbox.tolist() == [0, 0, 1000, 1002]


@pytest.mark.parametrize('config', ['integral3d', 'hemlets'])
def test_the_direct_path_is_the_models_own_test_pipeline(rendered,
                                                         integral3d, config):
    import cv2
    import torch
    from mmengine.dataset import pseudo_collate

    from pose3d_toolbox.geometry import bbox_from_keypoints
    from pose3d_toolbox.registry import TRANSFORMS
    seq = rendered['seq']
    inf = integral3d if config == 'integral3d' else Pose3DInferencer(
        'configs/hemlets_r18_cmu.py')
    skeleton = inf.model.skeleton  # HEMlets: 18 joints, H36M's 17 first
    joints = [skeleton.joint_names.index(n) for n in H36M.joint_names]
    assert skeleton.num_joints == (17 if config == 'integral3d' else 18)
    res = inf(rendered['folder'], bboxes=rendered['boxes'],
              camera=_camera(seq))
    t = 5
    box = np.array(json.load(open(rendered['boxes']))[t][0])
    image = cv2.imread(osp.join(rendered['folder'], f'{t:06d}.png'))[..., ::-1]
    center, scale = bbox_from_keypoints(box.reshape(2, 2), 1.25)
    results = dict(img=np.ascontiguousarray(image),
                   bbox_center=center.astype(np.float32),
                   bbox_scale=scale.astype(np.float32),
                   crop_matrix=np.eye(2, 3, dtype=np.float32),
                   keypoints_2d=np.zeros((17, 2), np.float32),
                   skeleton='h36m', root_index=0,  # as the dataset gives
                   camera=dict(f=np.asarray(seq['camera']['f'], np.float64),
                               c=np.asarray(seq['camera']['c'], np.float64)))
    # the config's whole test pipeline ([ExtendSkeleton,] TopdownAffine,
    # GenerateTarget, PackPoseInputs), as at evaluation
    for step in inf.model.cfg.test_dataloader.dataset.pipeline:
        results = TRANSFORMS.build(step)(results)
    with torch.no_grad():
        pred = inf.model.test_step(pseudo_collate([results]))[0]
    sample = res.frames[t].instances[0]
    np.testing.assert_allclose(sample.pred_keypoints_3d,
                               pred.pred_keypoints_3d[joints], atol=1e-5)
    np.testing.assert_allclose(sample.pred_keypoints_2d,
                               pred.pred_keypoints_2d[joints], atol=1e-4)
    np.testing.assert_allclose(sample.pred_root, pred.pred_root, atol=1e-5)


def test_direct_3d_tracks_are_smoothed(rendered, integral3d):
    from pose3d_toolbox.utils.smoothing import smooth_sequence
    inf, smoothing = integral3d, dict(type='savgol', window=5, polyorder=2)
    raw = inf(rendered['folder'], bboxes=rendered['boxes']).track(0)
    inf.smoothing = smoothing
    try:
        smoothed = inf(rendered['folder'], bboxes=rendered['boxes'])
    finally:
        inf.smoothing = None
    assert smoothed.meta['smoothing'] == smoothing
    np.testing.assert_allclose(
        smoothed.track(0)['keypoints_3d'],
        smooth_sequence(raw['keypoints_3d'], smoothing, 30.0), atol=1e-5)


def test_direct_3d_model_errors_name_the_fix(integral3d, files):
    with pytest.raises(ValueError, match=r'integral3d_r18_cmu\.py is a '
                       r'direct image -> 3D model.*no pose2d'):
        integral3d.use_pose2d('integral2d_r18_cmu')
    with pytest.raises(ValueError, match=r'direct image -> 3D model: it '
                       r'reads images.*not 2D keypoints'):
        integral3d(files['npz'])


def test_cli_reads_images_with_a_direct_3d_model(rendered, tmp_path,
                                                 capsys):
    cli = _demo_cli()
    # images_to_3d's default 2D estimator is not used for a direct model
    result = cli.main([rendered['folder'], '--bboxes', rendered['boxes'],
                       '--model', 'configs/integral3d_r18_cmu.py',
                       '--out-dir', str(tmp_path), '--no-progress',
                       '--vis'], pose2d='integral2d_r18_cmu')
    assert result.meta['pose2d'] is None
    assert '12 frames, 12 poses, 1 track(s)' in capsys.readouterr().out
    doc = json.load(open(tmp_path / 'frames_3d.json'))
    assert doc['meta']['model'] == 'configs/integral3d_r18_cmu.py'
    assert doc['frames'][0]['instances'][0]['root_estimated'] is False
