"""Spanish where families and the public read: the public recommendations
page, signing in and the account pages follow the browser's language or the
footer's switch; every other page keeps its content in English and says so."""

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.base import OFRTestCase

SPANISH_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def spanish_date(day) -> str:
    return f"{day.day} de {SPANISH_MONTHS[day.month - 1]} de {day.year}"


class LanguageTestCase(OFRTestCase):
    def setUp(self):
        self.recommendation.public = True
        self.recommendation.save()
        self.public_url = reverse("recommendations:public", kwargs={"team": self.team.code})

    def test_the_public_page_is_in_spanish_for_a_spanish_browser(self):
        response = self.client.get(self.public_url, headers={"accept-language": "es-MX,es;q=0.9"})
        self.assertContains(response, '<html lang="es">')
        self.assertContains(response, "Riverside OFR: recomendaciones</h1>", html=False)
        self.assertContains(response, "Las recomendaciones que el equipo decidió")
        # The value sets' labels too: its status and category.
        self.assertContains(response, "<strong>Adoptada</strong>")
        self.assertContains(response, "Distribución de naloxona")
        self.assertContains(response, "a cargo de Health Dept")
        # What the team wrote stays as written.
        self.assertContains(response, self.recommendation.title)
        self.assertNotContains(response, "The recommendations the team voted")

    def test_english_stays_the_default(self):
        response = self.client.get(self.public_url)
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Riverside OFR: recommendations</h1>", html=False)
        self.assertContains(response, "<strong>Adopted</strong>")
        # A language the site lacks falls back to English.
        response = self.client.get(self.public_url, headers={"accept-language": "fr"})
        self.assertContains(response, '<html lang="en">')

    def test_the_switch_sets_the_language_and_returns_to_the_page(self):
        page = self.client.get(self.public_url)
        # The footer's form: labelled, a button a language, each named in itself.
        self.assertContains(page, f'action="{reverse("set_language")}"')
        self.assertContains(page, 'aria-labelledby="ofr-language-label"')
        self.assertContains(page, f'name="next" value="{self.public_url}"')
        self.assertContains(page, 'name="language" value="es" lang="es">Español</button>')
        self.assertContains(page, '<span class="ofr-language__current" lang="en"')
        response = self.client.post(
            reverse("set_language"), {"language": "es", "next": self.public_url}
        )
        self.assertRedirects(response, self.public_url, fetch_redirect_response=False)
        self.assertEqual(self.client.cookies[settings.LANGUAGE_COOKIE_NAME].value, "es")
        spanish = self.client.get(self.public_url)
        self.assertContains(spanish, '<html lang="es">')
        self.assertContains(spanish, 'id="ofr-language-label">Idioma</span>')
        self.assertContains(spanish, 'name="language" value="en" lang="en">English</button>')
        # The cookie wins over the browser's language.
        self.assertContains(
            self.client.get(self.public_url, headers={"accept-language": "en"}),
            '<html lang="es">',
        )

    def test_the_switch_refuses_a_language_the_site_lacks_and_a_foreign_next(self):
        response = self.client.post(
            reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(response["Location"].startswith("https://evil.example"))
        self.assertNotIn(settings.LANGUAGE_COOKIE_NAME, response.cookies)

    def test_the_sign_in_pages_are_in_spanish(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = self.client.get(reverse("login"))
        self.assertContains(response, '<html lang="es">')
        self.assertContains(response, "<h1>Iniciar sesión</h1>", html=False)
        self.assertContains(response, "¿Olvidó su contraseña?")
        # The form's labels come from Django's own Spanish catalogue.
        self.assertContains(response, "Nombre de usuario")
        failed = self.client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
        self.assertContains(failed, "Por favor, introduzca un nombre de usuario")
        reset = self.client.get(reverse("password_reset"))
        self.assertContains(reset, "Restablecer su contraseña")

    def test_the_second_step_can_switch_language_before_it_is_passed(self):
        client = Client()
        client.force_login(self.coordinator)  # no second factor passed in this session
        response = client.post(
            reverse("set_language"),
            {"language": "es", "next": reverse("second_factor_enrol")},
        )
        self.assertRedirects(
            response, reverse("second_factor_enrol"), fetch_redirect_response=False
        )
        enrol = client.get(reverse("second_factor_enrol"))
        self.assertContains(enrol, "Configure su segundo factor")
        self.assertContains(enrol, "Código de la aplicación")

    def test_the_account_page_is_in_spanish_with_spanish_dates(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("account"), headers={"accept-language": "es"})
        self.assertContains(response, '<html lang="es">')
        self.assertContains(response, "<h1>Mi cuenta</h1>", html=False)
        self.assertContains(response, "Sus puestos actuales en equipos de revisión")
        self.assertContains(response, spanish_date(timezone.localdate()))
        english = self.client.get(reverse("account"), headers={"accept-language": "en"})
        self.assertContains(english, "<h1>My account</h1>", html=False)
        self.assertNotContains(english, spanish_date(timezone.localdate()))

    def test_a_page_not_translated_says_its_content_is_english(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:list"), headers={"accept-language": "es"})
        self.assertContains(response, '<html lang="es">')
        self.assertContains(
            response, '<main id="main-content" class="usa-section ofr-main" lang="en">'
        )
        translated = self.client.get(reverse("account"), headers={"accept-language": "es"})
        self.assertContains(
            translated, '<main id="main-content" class="usa-section ofr-main" lang="es">'
        )

    def test_the_history_keeps_english_whoever_records_an_update(self):
        from django.utils import translation

        with translation.override("es"):
            self.recommendation.add_update(
                by=self.coordinator, new_status="in_progress", narrative="Empezado."
            )
        reason = self.recommendation.history.first().history_change_reason
        self.assertIn("Status: In progress", reason)
