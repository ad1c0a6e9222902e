// The model types `embednn-import` writes for the shared models that import
// (tests/shared_models.rs checks this file is current; do not edit by hand).

// tflm-examples/sine.tflite
/// Imported from TensorFlow Lite: 5 layers, input [1], output [1].
pub type Sine = (embednn::Dense<1, 16>, embednn::Relu, embednn::Dense<16, 16>, embednn::Relu, embednn::Dense<16, 1>);
embednn::check!(Sine);
const _: () = assert!(<Sine as embednn::Params>::PARAMS == 321);
/// The int8 model TensorFlow Lite runs (input scale 0.024573976 zero point -128, output scale 0.008269669 zero point 7).
pub type SineInt8 = embednn::quant::Quantized<<Sine as embednn::quant::Quantize<[f32; 1]>>::Quantized>;
const _: () = SineInt8::CHECK;

// tflm-examples/speech.tflite
/// Imported from TensorFlow Lite: 5 layers, input [49, 40, 1], output [4].
pub type MicroSpeech = (embednn::Conv2d<49, 40, 1, 8, 10, 8, 2, 2, 25, 20, embednn::Same>, embednn::Relu, embednn::Flatten<4000>, embednn::Dense<4000, 4>, embednn::Softmax);
embednn::check!(MicroSpeech);
const _: () = assert!(<MicroSpeech as embednn::Params>::PARAMS == 16652);
/// The int8 model TensorFlow Lite runs (input scale 0.101715684 zero point -128, output scale 0.00390625 zero point -128).
pub type MicroSpeechInt8 = embednn::quant::Quantized<<MicroSpeech as embednn::quant::Quantize<[[[f32; 1]; 40]; 49]>>::Quantized>;
const _: () = MicroSpeechInt8::CHECK;

// tflm-examples/person_detect.tflite
/// Imported from TensorFlow Lite: 58 layers, input [96, 96, 1], output [2].
pub type PersonDetect = ((embednn::Conv2d<96, 96, 1, 8, 3, 3, 2, 2, 48, 48, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<48, 48, 8, 3, 3, 1, 1, 48, 48, embednn::Same>, embednn::Relu6, embednn::Conv2d<48, 48, 8, 16, 1, 1, 1, 1, 48, 48, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<48, 48, 16, 3, 3, 2, 2, 24, 24, embednn::Same>, embednn::Relu6, embednn::Conv2d<24, 24, 16, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 1, 1, 24, 24, embednn::Same>, embednn::Relu6, embednn::Conv2d<24, 24, 32, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 2, 2, 12, 12, embednn::Same>, embednn::Relu6), (embednn::Conv2d<12, 12, 32, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 1, 1, 12, 12, embednn::Same>, embednn::Relu6, embednn::Conv2d<12, 12, 64, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 2, 2, 6, 6, embednn::Same>, embednn::Relu6, embednn::Conv2d<6, 6, 64, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu6), (embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 2, 2, 3, 3, embednn::Same>, embednn::Relu6), (embednn::Conv2d<3, 3, 128, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu6, embednn::DepthwiseConv2d<3, 3, 256, 3, 3, 1, 1, 3, 3, embednn::Same>, embednn::Relu6, embednn::Conv2d<3, 3, 256, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu6, embednn::AvgPool2d<3, 3, 2, 2, 1, 1, embednn::Valid>, embednn::Conv2d<1, 1, 256, 2, 1, 1, 1, 1, 1, 1, embednn::Same>, embednn::Flatten<2>, embednn::Softmax), );
embednn::check!(PersonDetect);
const _: () = assert!(<PersonDetect as embednn::Params>::PARAMS == 210706);
/// The int8 model TensorFlow Lite runs (input scale 0.007843138 zero point -1, output scale 0.00390625 zero point -128).
pub type PersonDetectInt8 = embednn::quant::Quantized<<PersonDetect as embednn::quant::Quantize<[[[f32; 1]; 96]; 96]>>::Quantized>;
const _: () = PersonDetectInt8::CHECK;

// mlperf-tiny/ad01_fp32.tflite
/// Imported from TensorFlow Lite: 19 layers, input [640], output [640].
pub type Ad01 = ((embednn::Dense<640, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 8>, embednn::Relu, embednn::Dense<8, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu), (embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 640>), );
embednn::check!(Ad01);
const _: () = assert!(<Ad01 as embednn::Params>::PARAMS == 265864);

// mlperf-tiny/ad01_int8.tflite
/// Imported from TensorFlow Lite: 19 layers, input [640], output [640].
pub type Ad01Q = ((embednn::Dense<640, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 8>, embednn::Relu, embednn::Dense<8, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 128>, embednn::Relu), (embednn::Dense<128, 128>, embednn::Relu, embednn::Dense<128, 640>), );
embednn::check!(Ad01Q);
const _: () = assert!(<Ad01Q as embednn::Params>::PARAMS == 265864);
/// The int8 model TensorFlow Lite runs (input scale 0.39101523 zero point 89, output scale 0.36449847 zero point 96).
pub type Ad01QInt8 = embednn::quant::Quantized<<Ad01Q as embednn::quant::Quantize<[f32; 640]>>::Quantized>;
const _: () = Ad01QInt8::CHECK;

// mlperf-tiny/kws_ref_model.tflite
/// Imported from TensorFlow Lite: 22 layers, input [49, 10, 1], output [12].
pub type Kws = ((embednn::Conv2d<49, 10, 1, 64, 10, 4, 2, 2, 25, 5, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<25, 5, 64, 3, 3, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::Conv2d<25, 5, 64, 64, 1, 1, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<25, 5, 64, 3, 3, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::Conv2d<25, 5, 64, 64, 1, 1, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<25, 5, 64, 3, 3, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::Conv2d<25, 5, 64, 64, 1, 1, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<25, 5, 64, 3, 3, 1, 1, 25, 5, embednn::Same>, embednn::Relu), (embednn::Conv2d<25, 5, 64, 64, 1, 1, 1, 1, 25, 5, embednn::Same>, embednn::Relu, embednn::AvgPool2d<25, 5, 25, 5, 1, 1, embednn::Valid>, embednn::Flatten<64>, embednn::Dense<64, 12>, embednn::Softmax), );
embednn::check!(Kws);
const _: () = assert!(<Kws as embednn::Params>::PARAMS == 22604);
/// The int8 model TensorFlow Lite runs (input scale 0.5847029 zero point 83, output scale 0.00390625 zero point -128).
pub type KwsInt8 = embednn::quant::Quantized<<Kws as embednn::quant::Quantize<[[[f32; 1]; 10]; 49]>>::Quantized>;
const _: () = KwsInt8::CHECK;

// mlperf-tiny/pretrainedResnet.tflite
/// Imported from TensorFlow Lite: 23 layers, input [32, 32, 3], output [10].
pub type Resnet8 = (embednn::Conv2d<32, 32, 3, 16, 3, 3, 1, 1, 32, 32, embednn::Same>, embednn::Relu, embednn::Residual<(embednn::Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, embednn::Same>, embednn::Relu, embednn::Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, embednn::Same>)>, embednn::Relu, embednn::Add<embednn::Conv2d<32, 32, 16, 32, 1, 1, 2, 2, 16, 16, embednn::Same>, (embednn::Conv2d<32, 32, 16, 32, 3, 3, 2, 2, 16, 16, embednn::Same>, embednn::Relu, embednn::Conv2d<16, 16, 32, 32, 3, 3, 1, 1, 16, 16, embednn::Same>)>, embednn::Relu, embednn::Add<embednn::Conv2d<16, 16, 32, 64, 1, 1, 2, 2, 8, 8, embednn::Same>, (embednn::Conv2d<16, 16, 32, 64, 3, 3, 2, 2, 8, 8, embednn::Same>, embednn::Relu, embednn::Conv2d<8, 8, 64, 64, 3, 3, 1, 1, 8, 8, embednn::Same>)>, embednn::Relu, embednn::AvgPool2d<8, 8, 8, 8, 1, 1, embednn::Valid>, embednn::Flatten<64>, embednn::Dense<64, 10>, embednn::Softmax);
embednn::check!(Resnet8);
const _: () = assert!(<Resnet8 as embednn::Params>::PARAMS == 77706);

// mlperf-tiny/pretrainedResnet_quant.tflite
/// Imported from TensorFlow Lite: 23 layers, input [32, 32, 3], output [10].
pub type Resnet8Q = (embednn::Conv2d<32, 32, 3, 16, 3, 3, 1, 1, 32, 32, embednn::Same>, embednn::Relu, embednn::Residual<(embednn::Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, embednn::Same>, embednn::Relu, embednn::Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, embednn::Same>)>, embednn::Relu, embednn::Add<embednn::Conv2d<32, 32, 16, 32, 1, 1, 2, 2, 16, 16, embednn::Same>, (embednn::Conv2d<32, 32, 16, 32, 3, 3, 2, 2, 16, 16, embednn::Same>, embednn::Relu, embednn::Conv2d<16, 16, 32, 32, 3, 3, 1, 1, 16, 16, embednn::Same>)>, embednn::Relu, embednn::Add<embednn::Conv2d<16, 16, 32, 64, 1, 1, 2, 2, 8, 8, embednn::Same>, (embednn::Conv2d<16, 16, 32, 64, 3, 3, 2, 2, 8, 8, embednn::Same>, embednn::Relu, embednn::Conv2d<8, 8, 64, 64, 3, 3, 1, 1, 8, 8, embednn::Same>)>, embednn::Relu, embednn::AvgPool2d<8, 8, 8, 8, 1, 1, embednn::Valid>, embednn::Flatten<64>, embednn::Dense<64, 10>, embednn::Softmax);
embednn::check!(Resnet8Q);
const _: () = assert!(<Resnet8Q as embednn::Params>::PARAMS == 77706);
/// The int8 model TensorFlow Lite runs (input scale 1 zero point -128, output scale 0.00390625 zero point -128).
pub type Resnet8QInt8 = embednn::quant::Quantized<<Resnet8Q as embednn::quant::Quantize<[[[f32; 3]; 32]; 32]>>::Quantized>;
const _: () = Resnet8QInt8::CHECK;

// mlperf-tiny/vww_96_float.tflite
/// Imported from TensorFlow Lite: 58 layers, input [96, 96, 3], output [2].
pub type Vww = ((embednn::Conv2d<96, 96, 3, 8, 3, 3, 2, 2, 48, 48, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<48, 48, 8, 3, 3, 1, 1, 48, 48, embednn::Same>, embednn::Relu, embednn::Conv2d<48, 48, 8, 16, 1, 1, 1, 1, 48, 48, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<48, 48, 16, 3, 3, 2, 2, 24, 24, embednn::Same>, embednn::Relu, embednn::Conv2d<24, 24, 16, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::Conv2d<24, 24, 32, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 2, 2, 12, 12, embednn::Same>, embednn::Relu), (embednn::Conv2d<12, 12, 32, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::Conv2d<12, 12, 64, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 2, 2, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 64, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu), (embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 2, 2, 3, 3, embednn::Same>, embednn::Relu), (embednn::Conv2d<3, 3, 128, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<3, 3, 256, 3, 3, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::Conv2d<3, 3, 256, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::AvgPool2d<3, 3, 3, 3, 1, 1, embednn::Valid>, embednn::Flatten<256>, embednn::Dense<256, 2>, embednn::Softmax), );
embednn::check!(Vww);
const _: () = assert!(<Vww as embednn::Params>::PARAMS == 210850);

// mlperf-tiny/vww_96_int8.tflite
/// Imported from TensorFlow Lite: 58 layers, input [96, 96, 3], output [2].
pub type VwwQ = ((embednn::Conv2d<96, 96, 3, 8, 3, 3, 2, 2, 48, 48, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<48, 48, 8, 3, 3, 1, 1, 48, 48, embednn::Same>, embednn::Relu, embednn::Conv2d<48, 48, 8, 16, 1, 1, 1, 1, 48, 48, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<48, 48, 16, 3, 3, 2, 2, 24, 24, embednn::Same>, embednn::Relu, embednn::Conv2d<24, 24, 16, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::Conv2d<24, 24, 32, 32, 1, 1, 1, 1, 24, 24, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<24, 24, 32, 3, 3, 2, 2, 12, 12, embednn::Same>, embednn::Relu), (embednn::Conv2d<12, 12, 32, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::Conv2d<12, 12, 64, 64, 1, 1, 1, 1, 12, 12, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<12, 12, 64, 3, 3, 2, 2, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 64, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu), (embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::Conv2d<6, 6, 128, 128, 1, 1, 1, 1, 6, 6, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<6, 6, 128, 3, 3, 2, 2, 3, 3, embednn::Same>, embednn::Relu), (embednn::Conv2d<3, 3, 128, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::DepthwiseConv2d<3, 3, 256, 3, 3, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::Conv2d<3, 3, 256, 256, 1, 1, 1, 1, 3, 3, embednn::Same>, embednn::Relu, embednn::AvgPool2d<3, 3, 3, 3, 1, 1, embednn::Valid>, embednn::Flatten<256>, embednn::Dense<256, 2>, embednn::Softmax), );
embednn::check!(VwwQ);
const _: () = assert!(<VwwQ as embednn::Params>::PARAMS == 210850);
/// The int8 model TensorFlow Lite runs (input scale 0.003921569 zero point -128, output scale 0.00390625 zero point -128).
pub type VwwQInt8 = embednn::quant::Quantized<<VwwQ as embednn::quant::Quantize<[[[f32; 3]; 96]; 96]>>::Quantized>;
const _: () = VwwQInt8::CHECK;

