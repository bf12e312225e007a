"""QR codes as inline SVG (from `qrcode`): no image files, nothing fetched from elsewhere."""

from markupsafe import Markup
from qrcode import make as make_qr
from qrcode.image.svg import SvgPathImage


def qr_svg(url: str) -> Markup:
    """An SVG QR code for one of our own URLs, safe to put into a page as it is."""
    image = make_qr(url, image_factory=SvgPathImage, border=2)
    return Markup(image.to_string(encoding="unicode").replace(' id="qr-path"', ""))  # noqa: S704
