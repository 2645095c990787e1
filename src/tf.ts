// The one TensorFlow.js instance camlab uses; re-exported so notebook cells never mix two copies.
import * as tf from '@tensorflow/tfjs';

export { tf };
