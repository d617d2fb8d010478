"use strict";
// Seek on chapter, transcript and picture clicks; highlight the current cue and chapter.
// Reads only data-* attributes: no text from the episode is ever evaluated or set as HTML.
(() => {
  const audio = document.getElementById("player");
  const cues = Array.from(document.querySelectorAll(".cue"));
  const chapters = Array.from(document.querySelectorAll("#chapters li"));
  const seek = (t) => { audio.currentTime = t; highlight(); };
  document.querySelectorAll("[data-seek]").forEach((el) =>
    el.addEventListener("click", () => seek(parseFloat(el.dataset.seek))));
  const picture = document.getElementById("picture");
  if (picture) {
    picture.addEventListener("click", (ev) => {
      const box = picture.getBoundingClientRect();
      const x = (ev.clientX - box.left) / box.width;
      const x0 = parseFloat(picture.dataset.x0), x1 = parseFloat(picture.dataset.x1);
      const t = (x - x0) / (x1 - x0) * parseFloat(picture.dataset.duration);
      if (t >= 0 && t <= parseFloat(picture.dataset.duration)) seek(t);
    });
  }
  // The cue or chapter that has started last at time t (a pause keeps the previous one lit).
  const lastStarted = (items, t) => {
    let found = null;
    for (const el of items) {
      if (parseFloat(el.dataset.start) <= t + 0.05) found = el; else break;
    }
    return found;
  };
  let shown = null;
  function highlight() {
    const t = audio.currentTime;
    const cue = lastStarted(cues, t);
    cues.forEach((el) => el.classList.toggle("active", el === cue));
    const chapter = lastStarted(chapters, t);
    chapters.forEach((el) => el.classList.toggle("active", el === chapter));
    if (cue && cue !== shown) {
      const box = cue.parentElement;
      box.scrollTop = cue.offsetTop - box.offsetTop - box.clientHeight / 3;
      shown = cue;
    }
  }
  audio.addEventListener("timeupdate", highlight);
  audio.addEventListener("seeked", highlight);
  highlight();
})();
