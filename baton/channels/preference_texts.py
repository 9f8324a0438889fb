# Turkish is written with the dotless i (U+0131): no look-alike of i here.
# ruff: noqa: RUF001
"""The preference center's words in each language it ships, and how a visitor's language
is picked: the one asked for (`?lang=`), else the profile's `locale` trait, else the
browser's Accept-Language, else English."""

from __future__ import annotations

from typing import Any

from baton.workspaces import normalize_locale

ENGLISH = "en"
# Each language's name in itself, for the language switch.
LANGUAGES = {"en": "English", "hu": "Magyar", "pl": "Polski", "tr": "Türkçe", "ro": "Română"}
# An Accept-Language header lists a handful; anything past these is not read.
_MOST_LANGUAGE_RANGES = 20

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your preferences",
        "intro": "Choose what we send you, how and how often.",
        "language": "Language",
        "groups": "Topics",
        "groups_hint": "Tick the messages you want to receive.",
        "needs_confirmation": "needs your confirmation by e-mail",
        "channels": "Channels",
        "channels_hint": "How we may reach you.",
        "channel_email": "E-mail",
        "channel_sms": "SMS",
        "channel_whatsapp": "WhatsApp",
        "channel_push": "Push notifications",
        "channel_chat": "Chat messages",
        "frequency": "How often",
        "frequency_all": "Everything we send",
        "frequency_weekly-3": "At most 3 a week",
        "frequency_weekly-1": "At most 1 a week",
        "frequency_pause": "Pause for 30 days",
        "frequency_none": "Nothing: unsubscribe me from all marketing",
        "paused_until": "Paused until {date}.",
        "transactional": "Messages about your orders and your account still reach you.",
        "save": "Save my choices",
        "saved": "Your choices are saved.",
        "confirmation_sent": "We e-mailed you a link to confirm: {groups}.",
        "data": "Your data",
        "data_text": "Download a copy of everything we hold about you, as a JSON file.",
        "download": "Download my data",
        "export_text": (
            "We will e-mail you a link to download a copy of everything we hold about you, "
            "as a JSON file."
        ),
        "export_button": "E-mail me the download link",
        "export_sent": "Check your inbox: we sent you the link to download your data.",
        "export_no_address": "We have no e-mail address to send the link to. Please contact us.",
        "export_mail_subject": "Download your data",
        "export_mail_body": (
            "You asked for a copy of everything we hold about you.\n\n"
            "To download it, open this link before {until} and press the button there:\n{url}\n\n"
            "If you did not ask for this, ignore this e-mail.\n"
        ),
        "erase": "Delete your data",
        "erase_text": (
            "We will e-mail you a link. Your data is deleted only once you confirm there, "
            "and it cannot be undone."
        ),
        "erase_button": "E-mail me the deletion link",
        "erase_sent": "Check your inbox: we sent you the link to confirm the deletion.",
        "mail_failed": "We could not send the e-mail just now. Please try again later.",
        "erase_no_address": (
            "We have no e-mail address to confirm the deletion with. Please contact us."
        ),
        "confirm_title": "Delete your data?",
        "confirm_text": "This deletes your profile, your history and your choices for good.",
        "suppress": "Also stop collecting data about me from now on",
        "confirm_button": "Delete my data",
        "erased": "Your data has been deleted.",
        "gone": "We hold no data about you any more.",
        "invalid": "This link is not valid.",
        "expired": "This link has expired. Please use the link in a more recent e-mail.",
        "bad_form": "Something in the form was not understood. Please try again.",
        "footer": "Manage your preferences",
        "erase_mail_subject": "Confirm the deletion of your data",
        "erase_mail_body": (
            "You asked us to delete everything we hold about you.\n\n"
            "To confirm, open this link before {until} and press the button there:\n{url}\n\n"
            "If you did not ask for this, ignore this e-mail: nothing will be deleted.\n"
        ),
    },
    "hu": {
        "title": "Beállításaid",
        "intro": "Válaszd ki, mit, milyen csatornán és milyen gyakran küldjünk neked.",
        "language": "Nyelv",
        "groups": "Témák",
        "groups_hint": "Jelöld be, milyen üzeneteket szeretnél kapni.",
        "needs_confirmation": "e-mailes megerősítést igényel",
        "channels": "Csatornák",
        "channels_hint": "Hol kereshetünk meg.",
        "channel_email": "E-mail",
        "channel_sms": "SMS",
        "channel_whatsapp": "WhatsApp",
        "channel_push": "Push-értesítések",
        "channel_chat": "Csevegőüzenetek",
        "frequency": "Milyen gyakran",
        "frequency_all": "Minden üzenetünket",
        "frequency_weekly-3": "Legfeljebb heti hármat",
        "frequency_weekly-1": "Legfeljebb heti egyet",
        "frequency_pause": "Szünet 30 napig",
        "frequency_none": "Semmit: leiratkozom minden marketingüzenetről",
        "paused_until": "Szüneteltetve eddig: {date}.",
        "transactional": "A rendeléseiddel és a fiókoddal kapcsolatos üzeneteket továbbra is "
        "megkapod.",
        "save": "Beállítások mentése",
        "saved": "A beállításaidat elmentettük.",
        "confirmation_sent": "Megerősítő linket küldtünk neked e-mailben: {groups}.",
        "data": "Az adataid",
        "data_text": "Tölts le egy másolatot minden rólad tárolt adatról, JSON-fájlként.",
        "download": "Adataim letöltése",
        "export_text": (
            "E-mailben küldünk egy linket, amellyel JSON-fájlként letöltheted a rólad tárolt "
            "összes adat másolatát."
        ),
        "export_button": "Kérem a letöltési linket e-mailben",
        "export_sent": "Nézd meg a postafiókodat: elküldtük az adataid letöltési linkjét.",
        "export_no_address": (
            "Nincs olyan e-mail-címünk, amelyre elküldhetnénk a linket. Kérjük, vedd fel "
            "velünk a kapcsolatot."
        ),
        "export_mail_subject": "Adataid letöltése",
        "export_mail_body": (
            "Másolatot kértél minden rólad tárolt adatról.\n\n"
            "A letöltéshez nyisd meg ezt a linket, és nyomd meg az ott látható gombot "
            "(érvényes eddig: {until}):\n{url}\n\n"
            "Ha nem te kérted, hagyd figyelmen kívül ezt az e-mailt.\n"
        ),
        "erase": "Adataid törlése",
        "erase_text": (
            "E-mailben küldünk egy linket. Az adataidat csak azután töröljük, hogy ott "
            "megerősítetted, és a törlés nem vonható vissza."
        ),
        "erase_button": "Kérem a törlési linket e-mailben",
        "erase_sent": "Nézd meg a postafiókodat: elküldtük a törlés megerősítéséhez szükséges "
        "linket.",
        "mail_failed": "Most nem sikerült elküldeni az e-mailt. Kérjük, próbáld újra később.",
        "erase_no_address": (
            "Nincs olyan e-mail-címünk, amellyel megerősíthetnéd a törlést. Kérjük, vedd fel "
            "velünk a kapcsolatot."
        ),
        "confirm_title": "Törlöd az adataidat?",
        "confirm_text": "Ez véglegesen törli a profilodat, az előzményeidet és a beállításaidat.",
        "suppress": "Mostantól ne gyűjtsetek rólam adatot",
        "confirm_button": "Adataim törlése",
        "erased": "Az adataidat töröltük.",
        "gone": "Már nem tárolunk rólad adatot.",
        "invalid": "Ez a link érvénytelen.",
        "expired": "Ez a link lejárt. Kérjük, használd egy újabb e-mail linkjét.",
        "bad_form": "Az űrlap egy részét nem sikerült értelmezni. Kérjük, próbáld újra.",
        "footer": "Beállítások kezelése",
        "erase_mail_subject": "Erősítsd meg az adataid törlését",
        "erase_mail_body": (
            "Azt kérted, hogy töröljünk minden rólad tárolt adatot.\n\n"
            "A megerősítéshez nyisd meg ezt a linket, és nyomd meg az ott látható gombot "
            "(érvényes eddig: {until}):\n{url}\n\n"
            "Ha nem te kérted, hagyd figyelmen kívül ezt az e-mailt: semmit sem törlünk.\n"
        ),
    },
    "pl": {
        "title": "Twoje preferencje",
        "intro": "Wybierz, co, jak i jak często mamy Ci wysyłać.",
        "language": "Język",
        "groups": "Tematy",
        "groups_hint": "Zaznacz wiadomości, które chcesz otrzymywać.",
        "needs_confirmation": "wymaga potwierdzenia e-mailem",
        "channels": "Kanały",
        "channels_hint": "Jak możemy się z Tobą kontaktować.",
        "channel_email": "E-mail",
        "channel_sms": "SMS",
        "channel_whatsapp": "WhatsApp",
        "channel_push": "Powiadomienia push",
        "channel_chat": "Wiadomości na czacie",
        "frequency": "Jak często",
        "frequency_all": "Wszystkie wiadomości",
        "frequency_weekly-3": "Najwyżej 3 w tygodniu",
        "frequency_weekly-1": "Najwyżej 1 w tygodniu",
        "frequency_pause": "Wstrzymaj na 30 dni",
        "frequency_none": "Nic: wypisz mnie ze wszystkich wiadomości marketingowych",
        "paused_until": "Wstrzymane do {date}.",
        "transactional": "Wiadomości dotyczące zamówień i konta nadal będą do Ciebie docierać.",
        "save": "Zapisz wybór",
        "saved": "Twój wybór został zapisany.",
        "confirmation_sent": "Wysłaliśmy Ci e-mail z linkiem potwierdzającym: {groups}.",
        "data": "Twoje dane",
        "data_text": "Pobierz kopię wszystkich danych, które o Tobie przechowujemy, w pliku JSON.",
        "download": "Pobierz moje dane",
        "export_text": (
            "Wyślemy Ci e-mail z linkiem do pobrania kopii wszystkich danych, które o Tobie "
            "przechowujemy, w pliku JSON."
        ),
        "export_button": "Wyślij mi link do pobrania",
        "export_sent": "Sprawdź skrzynkę: wysłaliśmy link do pobrania Twoich danych.",
        "export_no_address": (
            "Nie mamy adresu e-mail, na który można wysłać link. Skontaktuj się z nami."
        ),
        "export_mail_subject": "Pobierz swoje dane",
        "export_mail_body": (
            "Otrzymaliśmy prośbę o kopię wszystkich danych, które o Tobie przechowujemy.\n\n"
            "Aby ją pobrać, otwórz ten link przed {until} i naciśnij znajdujący się tam "
            "przycisk:\n{url}\n\n"
            "Jeśli to nie Ty, zignoruj tę wiadomość.\n"
        ),
        "erase": "Usuń swoje dane",
        "erase_text": (
            "Wyślemy Ci e-mail z linkiem. Dane usuniemy dopiero po potwierdzeniu i nie będzie "
            "można tego cofnąć."
        ),
        "erase_button": "Wyślij mi link do usunięcia",
        "erase_sent": "Sprawdź skrzynkę: wysłaliśmy link do potwierdzenia usunięcia.",
        "mail_failed": "Nie udało się teraz wysłać e-maila. Spróbuj ponownie później.",
        "erase_no_address": (
            "Nie mamy adresu e-mail, na który można wysłać potwierdzenie. Skontaktuj się z nami."
        ),
        "confirm_title": "Usunąć Twoje dane?",
        "confirm_text": "Spowoduje to trwałe usunięcie Twojego profilu, historii i ustawień.",
        "suppress": "Nie zbierajcie też odtąd moich danych",
        "confirm_button": "Usuń moje dane",
        "erased": "Twoje dane zostały usunięte.",
        "gone": "Nie przechowujemy już żadnych Twoich danych.",
        "invalid": "Ten link jest nieprawidłowy.",
        "expired": "Ten link wygasł. Użyj linku z nowszej wiadomości.",
        "bad_form": "Nie udało się odczytać formularza. Spróbuj ponownie.",
        "footer": "Zarządzaj preferencjami",
        "erase_mail_subject": "Potwierdź usunięcie swoich danych",
        "erase_mail_body": (
            "Otrzymaliśmy prośbę o usunięcie wszystkich danych, które o Tobie przechowujemy.\n\n"
            "Aby ją potwierdzić, otwórz ten link przed {until} i naciśnij znajdujący się tam "
            "przycisk:\n{url}\n\n"
            "Jeśli to nie Ty, zignoruj tę wiadomość: nic nie zostanie usunięte.\n"
        ),
    },
    "tr": {
        "title": "Tercihleriniz",
        "intro": "Size neyi, hangi kanaldan ve ne sıklıkla göndereceğimizi seçin.",
        "language": "Dil",
        "groups": "Konular",
        "groups_hint": "Almak istediğiniz mesajları işaretleyin.",
        "needs_confirmation": "e-postayla onay gerektirir",
        "channels": "Kanallar",
        "channels_hint": "Size nasıl ulaşabileceğimiz.",
        "channel_email": "E-posta",
        "channel_sms": "SMS",
        "channel_whatsapp": "WhatsApp",
        "channel_push": "Anlık bildirimler",
        "channel_chat": "Sohbet mesajları",
        "frequency": "Ne sıklıkla",
        "frequency_all": "Gönderdiğimiz her şey",
        "frequency_weekly-3": "Haftada en fazla 3",
        "frequency_weekly-1": "Haftada en fazla 1",
        "frequency_pause": "30 gün ara ver",
        "frequency_none": "Hiçbiri: tüm pazarlama iletilerinden aboneliğimi iptal et",
        "paused_until": "{date} tarihine kadar duraklatıldı.",
        "transactional": "Siparişleriniz ve hesabınızla ilgili mesajlar size ulaşmaya devam eder.",
        "save": "Tercihlerimi kaydet",
        "saved": "Tercihleriniz kaydedildi.",
        "confirmation_sent": "Onay bağlantısını size e-postayla gönderdik: {groups}.",
        "data": "Verileriniz",
        "data_text": "Hakkınızda tuttuğumuz tüm verilerin bir kopyasını JSON dosyası olarak "
        "indirin.",
        "download": "Verilerimi indir",
        "export_text": (
            "Hakkınızda tuttuğumuz tüm verilerin bir kopyasını JSON dosyası olarak indirmeniz "
            "için size e-postayla bir bağlantı göndereceğiz."
        ),
        "export_button": "İndirme bağlantısını e-postayla gönder",
        "export_sent": "Gelen kutunuzu kontrol edin: verilerinizi indirme bağlantısını gönderdik.",
        "export_no_address": (
            "Bağlantıyı gönderebileceğimiz bir e-posta adresiniz yok. Lütfen bizimle "
            "iletişime geçin."
        ),
        "export_mail_subject": "Verilerinizi indirin",
        "export_mail_body": (
            "Hakkınızda tuttuğumuz her şeyin bir kopyasını istediniz.\n\n"
            "İndirmek için bu bağlantıyı {until} tarihinden önce açın ve oradaki düğmeye "
            "basın:\n{url}\n\n"
            "Bunu siz istemediyseniz bu e-postayı dikkate almayın.\n"
        ),
        "erase": "Verilerinizi silin",
        "erase_text": (
            "Size e-postayla bir bağlantı göndereceğiz. Verileriniz ancak orada onayladıktan "
            "sonra silinir ve bu işlem geri alınamaz."
        ),
        "erase_button": "Silme bağlantısını e-postayla gönder",
        "erase_sent": "Gelen kutunuzu kontrol edin: silme işlemini onaylamanız için bağlantıyı "
        "gönderdik.",
        "mail_failed": "E-posta şu anda gönderilemedi. Lütfen daha sonra tekrar deneyin.",
        "erase_no_address": (
            "Silme işlemini onaylayabileceğimiz bir e-posta adresiniz yok. Lütfen bizimle "
            "iletişime geçin."
        ),
        "confirm_title": "Verileriniz silinsin mi?",
        "confirm_text": "Bu işlem profilinizi, geçmişinizi ve tercihlerinizi kalıcı olarak siler.",
        "suppress": "Bundan sonra hakkımda veri toplamayı da durdurun",
        "confirm_button": "Verilerimi sil",
        "erased": "Verileriniz silindi.",
        "gone": "Artık hakkınızda hiçbir veri tutmuyoruz.",
        "invalid": "Bu bağlantı geçerli değil.",
        "expired": "Bu bağlantının süresi doldu. Lütfen daha yeni bir e-postadaki bağlantıyı "
        "kullanın.",
        "bad_form": "Formun bir kısmı anlaşılamadı. Lütfen tekrar deneyin.",
        "footer": "Tercihlerinizi yönetin",
        "erase_mail_subject": "Verilerinizin silinmesini onaylayın",
        "erase_mail_body": (
            "Hakkınızda tuttuğumuz her şeyi silmemizi istediniz.\n\n"
            "Onaylamak için bu bağlantıyı {until} tarihinden önce açın ve oradaki düğmeye "
            "basın:\n{url}\n\n"
            "Bunu siz istemediyseniz bu e-postayı dikkate almayın: hiçbir şey silinmeyecek.\n"
        ),
    },
    "ro": {
        "title": "Preferințele tale",
        "intro": "Alege ce să-ți trimitem, pe ce canale și cât de des.",
        "language": "Limbă",
        "groups": "Subiecte",
        "groups_hint": "Bifează mesajele pe care vrei să le primești.",
        "needs_confirmation": "necesită confirmare prin e-mail",
        "channels": "Canale",
        "channels_hint": "Cum te putem contacta.",
        "channel_email": "E-mail",
        "channel_sms": "SMS",
        "channel_whatsapp": "WhatsApp",
        "channel_push": "Notificări push",
        "channel_chat": "Mesaje pe chat",
        "frequency": "Cât de des",
        "frequency_all": "Tot ce trimitem",
        "frequency_weekly-3": "Cel mult 3 pe săptămână",
        "frequency_weekly-1": "Cel mult 1 pe săptămână",
        "frequency_pause": "Pauză de 30 de zile",
        "frequency_none": "Nimic: dezabonează-mă de la toate mesajele de marketing",
        "paused_until": "Pus pe pauză până la {date}.",
        "transactional": "Mesajele despre comenzile și contul tău vor ajunge în continuare la "
        "tine.",
        "save": "Salvează alegerile",
        "saved": "Alegerile tale au fost salvate.",
        "confirmation_sent": "Ți-am trimis pe e-mail un link de confirmare: {groups}.",
        "data": "Datele tale",
        "data_text": "Descarcă o copie a tuturor datelor pe care le deținem despre tine, ca "
        "fișier JSON.",
        "download": "Descarcă datele mele",
        "export_text": (
            "Îți vom trimite pe e-mail un link pentru a descărca o copie a tuturor datelor pe "
            "care le deținem despre tine, ca fișier JSON."
        ),
        "export_button": "Trimite-mi linkul de descărcare",
        "export_sent": "Verifică-ți căsuța de e-mail: ți-am trimis linkul de descărcare a datelor.",
        "export_no_address": (
            "Nu avem o adresă de e-mail la care să trimitem linkul. Te rugăm să ne contactezi."
        ),
        "export_mail_subject": "Descarcă-ți datele",
        "export_mail_body": (
            "Ne-ai cerut o copie a tot ce deținem despre tine.\n\n"
            "Pentru a o descărca, deschide acest link înainte de {until} și apasă butonul de "
            "acolo:\n{url}\n\n"
            "Dacă nu tu ai cerut asta, ignoră acest e-mail.\n"
        ),
        "erase": "Șterge-ți datele",
        "erase_text": (
            "Îți vom trimite un link pe e-mail. Datele tale sunt șterse doar după ce confirmi "
            "acolo, iar acțiunea nu poate fi anulată."
        ),
        "erase_button": "Trimite-mi linkul de ștergere",
        "erase_sent": "Verifică-ți căsuța de e-mail: ți-am trimis linkul pentru confirmarea "
        "ștergerii.",
        "mail_failed": "Nu am putut trimite e-mailul acum. Te rugăm să încerci din nou mai târziu.",
        "erase_no_address": (
            "Nu avem o adresă de e-mail prin care să confirmi ștergerea. Te rugăm să ne contactezi."
        ),
        "confirm_title": "Îți ștergi datele?",
        "confirm_text": "Aceasta îți șterge definitiv profilul, istoricul și preferințele.",
        "suppress": "De acum înainte nu mai colectați date despre mine",
        "confirm_button": "Șterge datele mele",
        "erased": "Datele tale au fost șterse.",
        "gone": "Nu mai deținem date despre tine.",
        "invalid": "Acest link nu este valid.",
        "expired": "Acest link a expirat. Te rugăm să folosești linkul dintr-un e-mail mai recent.",
        "bad_form": "O parte din formular nu a putut fi înțeleasă. Te rugăm să încerci din nou.",
        "footer": "Gestionează-ți preferințele",
        "erase_mail_subject": "Confirmă ștergerea datelor tale",
        "erase_mail_body": (
            "Ne-ai cerut să ștergem tot ce deținem despre tine.\n\n"
            "Pentru a confirma, deschide acest link înainte de {until} și apasă butonul de "
            "acolo:\n{url}\n\n"
            "Dacă nu tu ai cerut asta, ignoră acest e-mail: nu se va șterge nimic.\n"
        ),
    },
}


def text(language: str, key: str, **values: Any) -> str:
    """A text in `language` (one of LANGUAGES), its `{placeholders}` filled."""
    found = TEXTS[language][key]
    return found.format(**values) if values else found


def pick_language(asked: str | None, locale: Any, accept_language: str | None) -> str:
    """The first shipped language among the one asked for, the profile's `locale` trait
    and the browser's preferences (by their weights); English otherwise."""
    for candidate in (asked, locale):
        language = normalize_locale(candidate)
        if language in TEXTS:
            return language
    return _accepted(accept_language or "")


def _accepted(header: str) -> str:
    weighted: list[tuple[float, int, str]] = []
    for order, item in enumerate(header.split(",")[:_MOST_LANGUAGE_RANGES]):
        tag, _, parameters = item.partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        language = normalize_locale(tag)
        if language in TEXTS and 0 < weight <= 1:
            weighted.append((-weight, order, language))
    return min(weighted)[2] if weighted else ENGLISH
