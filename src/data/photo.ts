/**
 * The photograph of the tutorial's ResNet-50 notebook: the African elephant that Keras's own Grad-CAM
 * example explains. camlab does not ship it (it is not camlab's to ship): `npm start` fetches it into the
 * cache when the network allows; `cachePath(ELEPHANT_PHOTO_URL)` is where it lands.
 */
export const ELEPHANT_PHOTO_URL = 'https://i.imgur.com/Bvro0YD.png';
