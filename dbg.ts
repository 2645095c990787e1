import { writeFile } from 'node:fs/promises';
import { tf, ready, loadImage, heatmapFigure, camGridFigure, featureMapsFigure, probabilitiesFigure, figurePng, figureHtml } from './src';
(async () => {
  await ready();
  const image = await loadImage('data/samples/digit-0.png');
  const data = new Float32Array(64 * 64); for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data[y * 64 + x] = Math.exp(-((x - 41) ** 2 + (y - 20) ** 2) / 120);
  const heat = { width: 64, height: 64, data };
  const fig = heatmapFigure(image, heat, { title: 'CAM of class 2 <img src=x onerror=alert(1)>', boxes: [{ box: { x: 29, y: 8, width: 25, height: 25 }, label: 'true box' }, { box: { x: 30, y: 10, width: 22, height: 20 }, label: 'CAM box' }] });
  let t = Date.now(); const png = await figurePng(fig); console.log('png ms', Date.now() - t, png.length);
  await writeFile('/tmp/fig1.png', png);
  const results = [0, 1, 2].map((c) => ({ imageIndex: 0, classIndex: c, score: 0.5 / (c + 1), logit: 0, heatmap: heat, raw: heat, layer: 'features' }));
  await writeFile('/tmp/fig2.png', await figurePng(camGridFigure(image, results, { labels: ['zero', 'one', 'two'] })));
  const acts = tf.randomUniform([16, 16, 64]) as tf.Tensor3D;
  await writeFile('/tmp/fig3.png', await figurePng(featureMapsFigure(acts, { channels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] , columns: 6})));
  await writeFile('/tmp/fig4.png', await figurePng(probabilitiesFigure([0.01, 0.02, 0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01], ['0','1','2','3','4','5','6','7','8','9'])));
  const html = figureHtml(fig, png, { includePlotly: true }); console.log('html bytes', html.length);
})();
