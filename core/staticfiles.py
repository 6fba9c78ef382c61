"""The production static files storage: WhiteNoise's compressed manifest storage, with
each file's URL looked up once per process.

`{% static %}` runs several times on every page (the stylesheet, the icon, the
scripts); each lookup parses, hashes and quotes the name again, which cost the
student pages about 0.1 ms a tag. The manifest is written by collectstatic before
the process starts and never changes while it runs, so the URLs can be kept."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name: str, force: bool = False) -> str:
        key = (name, force)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = super().url(name, force)
        return url
