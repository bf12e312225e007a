// The check-in desk's camera: where the browser can read QR codes (BarcodeDetector) and has a
// camera, a button opens it; the invitation code read from a letter's QR is put in the search
// box and looked up, as if typed. Without it the desk types the code or uses a hand scanner
// (which types it too). Nothing is sent anywhere but this page's own search.
(function () {
  "use strict";
  var form = document.querySelector("form[data-scan]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var input = form.querySelector("input[name=q]");
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = form.getAttribute("data-scan");
  form.appendChild(button);
  var video = document.createElement("video");
  video.setAttribute("playsinline", "");
  video.muted = true;
  video.className = "scanner";
  video.hidden = true;
  form.parentNode.insertBefore(video, form.nextSibling);
  var stream = null;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    button.textContent = form.getAttribute("data-scan");
  }

  function look() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length) {
        input.value = codes[0].rawValue;
        stop();
        form.submit();
      } else {
        setTimeout(look, 250);
      }
    }, function () { setTimeout(look, 500); });
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        button.textContent = form.getAttribute("data-scan-stop");
        return video.play();
      })
      .then(look, function () {
        stop();
        input.placeholder = form.getAttribute("data-scan-failed");
        input.focus();
      });
  });
})();
